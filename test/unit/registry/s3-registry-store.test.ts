/**
 * The S3 registry store's create-only write. aws-sdk-client-mock stands in for S3's conditional
 * write (`If-None-Match: *`): 412 Precondition Failed when the key exists, 409 Conflict while another
 * conditional write to the key is in flight (s3rver does not implement conditional writes).
 */
import { ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { s3RegistryStore } from '../../../lambda/aws/s3-registry-store';
import { StorageError } from '../../../lambda/aws/s3-store';

const s3 = mockClient(S3Client);

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

beforeEach(() => s3.reset());

describe('s3RegistryStore.putIfAbsent', () => {
  test('sends If-None-Match: * and reports a created key', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const store = s3RegistryStore(new S3Client({}), 'artifacts');

    // Act
    const created = await store.putIfAbsent('registry/m/1/claim.json', { version: 1 });

    // Assess
    expect(created).toBe(true);
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: 'artifacts', Key: 'registry/m/1/claim.json', IfNoneMatch: '*' });
  });

  test('412 Precondition Failed means the key exists: false, no error', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    const store = s3RegistryStore(new S3Client({}), 'artifacts');

    // Act
    const created = await store.putIfAbsent('registry/m/1/claim.json', {});

    // Assess
    expect(created).toBe(false);
  });

  test('409 Conflict is retried, then the answer of the retry counts', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejectsOnce(s3Error('ConditionalRequestConflict', 409)).rejectsOnce(s3Error('PreconditionFailed', 412));
    const store = s3RegistryStore(new S3Client({}), 'artifacts');

    // Act
    const created = await store.putIfAbsent('registry/m/2/claim.json', {});

    // Assess
    expect(created).toBe(false);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
  });

  test('any other failure is a StorageError naming the key', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));
    const store = s3RegistryStore(new S3Client({}), 'artifacts');

    // Act
    const put = store.putIfAbsent('registry/m/3/claim.json', {});

    // Assess
    await expect(put).rejects.toThrow(StorageError);
    await expect(put).rejects.toThrow(/s3:\/\/artifacts\/registry\/m\/3\/claim\.json/);
  });
});

describe('s3RegistryStore.listFolders', () => {
  test('follows continuation tokens and returns folder names', async () => {
    // Prepare
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ CommonPrefixes: [{ Prefix: 'registry/m/1/' }, { Prefix: 'registry/m/2/' }], IsTruncated: true, NextContinuationToken: 't1' })
      .resolvesOnce({ CommonPrefixes: [{ Prefix: 'registry/m/10/' }], IsTruncated: false });
    const store = s3RegistryStore(new S3Client({}), 'artifacts');

    // Act
    const folders = await store.listFolders('registry/m/');

    // Assess
    expect(folders).toEqual(['1', '2', '10']);
    expect(s3.commandCalls(ListObjectsV2Command)[1]!.args[0].input).toMatchObject({ ContinuationToken: 't1', Delimiter: '/' });
  });
});
