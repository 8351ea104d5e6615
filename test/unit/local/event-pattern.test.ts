import { EventPattern, InvalidEventPatternError, matchesEventPattern, parseEventPattern } from '../../../local/event-pattern';

type Vector = [description: string, event: object, matches: boolean];

/** Asserts every vector against one pattern (parsed once, as a rule's pattern is). */
function assertVectors(pattern: object, vectors: Vector[]): void {
  const parsed = parseEventPattern(pattern);
  for (const [description, event, expected] of vectors) {
    expect({ description, matches: parsed.matches(event) }).toEqual({ description, matches: expected });
  }
}

// "Amazon EventBridge event patterns":
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
// (with its sub-pages "Arrays in Amazon EventBridge event patterns" and "Matching null values and empty
// strings in Amazon EventBridge event patterns").
describe('event patterns: field and value matching (eb-event-patterns)', () => {
  const ec2Event = {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2017-12-22T18:43:48Z',
    region: 'us-west-1',
    resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
    detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
  };

  it('matches the EC2 instance-termination pattern: every field must match, other fields are ignored', () => {
    // Prepare
    const pattern = { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } };

    // Act + Assess
    assertVectors(pattern, [
      ['the documented event', ec2Event, true],
      ['another state', { ...ec2Event, detail: { ...ec2Event.detail, state: 'running' } }, false],
      ['detail missing', { ...ec2Event, detail: undefined }, false],
      ['state nested one level deeper', { ...ec2Event, detail: { state: { name: 'terminated' } } }, false],
      ['strings are matched exactly, case-sensitively', { ...ec2Event, source: 'AWS.EC2' }, false],
    ]);
  });

  it('matches any of the values in a field array (OR within a field)', () => {
    assertVectors({ source: ['aws.ec2', 'aws.fargate'] }, [
      ['aws.ec2', { source: 'aws.ec2' }, true],
      ['aws.fargate', { source: 'aws.fargate' }, true],
      ['aws.s3', { source: 'aws.s3' }, false],
    ]);
  });

  it('matches null and empty-string values, which are not interchangeable', () => {
    // Prepare
    const event = {
      'detail-type': 'EC2 Instance Launch Successful',
      source: 'aws.autoscaling',
      resources: [],
      detail: { eventVersion: '', responseElements: null },
    };

    // Act + Assess
    expect(matchesEventPattern({ source: ['aws.autoscaling'], 'detail-type': ['EC2 Instance Launch Successful'], detail: { responseElements: [null] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { eventVersion: [null] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { responseElements: [''] } }, event)).toBe(false);
  });

  it('matches numbers by value and booleans exactly (the Macie risk-score example)', () => {
    // Prepare
    const pattern = { source: ['aws.macie'], 'detail-type': ['Macie Alert'], detail: { 'risk-score': [80], trigger: { risk: [8] } } };
    const event = { source: 'aws.macie', 'detail-type': 'Macie Alert', detail: { 'risk-score': 80, trigger: { 'alert-type': 'basic', risk: 8 } } };

    // Act + Assess
    assertVectors(pattern, [
      ['risk-score 80, risk 8', event, true],
      ['risk 9', { ...event, detail: { ...event.detail, trigger: { risk: 9 } } }, false],
      ['"80" as a string is not the number 80', { ...event, detail: { ...event.detail, 'risk-score': '80' } }, false],
    ]);
    expect(matchesEventPattern({ detail: { enabled: [true] } }, { detail: { enabled: true } })).toBe(true);
    expect(matchesEventPattern({ detail: { enabled: [true] } }, { detail: { enabled: 'true' } })).toBe(false);
  });

  it('matches an array in the event when the intersection with the pattern array is non-empty', () => {
    // Prepare
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };

    // Act + Assess
    assertVectors(pattern, [
      [
        'second event element is the first pattern value',
        {
          resources: [
            'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
            'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
          ],
        },
        true,
      ],
      ['no common element', { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] }, false],
      ['empty array', { resources: [] }, false],
    ]);
  });

  it('matches a nested pattern against any object in an array', () => {
    assertVectors({ detail: { items: { name: ['b'] } } }, [
      ['second item', { detail: { items: [{ name: 'a' }, { name: 'b' }] } }, true],
      ['no item', { detail: { items: [{ name: 'a' }] } }, false],
    ]);
  });

  it('uses the last occurrence of a key written twice in the JSON text', () => {
    // Prepare: the note at the end of the content-filtering page.
    const pattern = parseEventPattern('{"detail":{"location":[{"prefix":"us-"}],"location":[{"anything-but":"us-east"}]}}');

    // Act + Assess
    expect(pattern.matches({ detail: { location: 'eu-west' } })).toBe(true);
    expect(pattern.matches({ detail: { location: 'us-east' } })).toBe(false);
  });
});

// "Content filtering in Amazon EventBridge event patterns":
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
// and its operator summary, "Comparison operators for use in event patterns in Amazon EventBridge":
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
describe('event patterns: content filtering (eb-event-patterns-content-based-filtering)', () => {
  it('prefix: matches string values that start with the prefix', () => {
    assertVectors({ time: [{ prefix: '2017-10-02' }] }, [
      ['2017-10-02T18:43:48Z', { time: '2017-10-02T18:43:48Z' }, true],
      ['another day', { time: '2017-10-03T18:43:48Z' }, false],
      ['not a string', { time: 20171002 }, false],
    ]);
    assertVectors({ source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] }, [
      ['eu-west-1', { source: 'aws.autoscaling', region: 'eu-west-1' }, true],
      ['us-east-1', { source: 'aws.autoscaling', region: 'us-east-1' }, false],
    ]);
  });

  it('prefix with equals-ignore-case: matches the prefix in any casing', () => {
    assertVectors({ detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, [
      ['EventBridge', { detail: { service: 'EventBridge' } }, true],
      ['EVENTBRIDGE', { detail: { service: 'EVENTBRIDGE' } }, true],
      ['eventbus', { detail: { service: 'eventbus' } }, true],
      ['Lambda', { detail: { service: 'Lambda' } }, false],
    ]);
  });

  it('suffix, and suffix with equals-ignore-case', () => {
    assertVectors({ FileName: [{ suffix: '.png' }] }, [
      ['image.png', { FileName: 'image.png' }, true],
      ['image.PNG', { FileName: 'image.PNG' }, false],
      ['image.jpg', { FileName: 'image.jpg' }, false],
    ]);
    assertVectors({ detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, [
      ['image.PNG', { detail: { FileName: 'image.PNG' } }, true],
      ['image.Png', { detail: { FileName: 'image.Png' } }, true],
      ['image.gif', { detail: { FileName: 'image.gif' } }, false],
    ]);
  });

  it('equals-ignore-case: matches the value in any casing', () => {
    assertVectors({ detail: { name: [{ 'equals-ignore-case': 'alice' }] } }, [
      ['Alice', { detail: { name: 'Alice' } }, true],
      ['ALICE', { detail: { name: 'ALICE' } }, true],
      ['Alicia', { detail: { name: 'Alicia' } }, false],
    ]);
  });

  it('anything-but: a string, a number, a list of strings, a list of numbers', () => {
    assertVectors({ detail: { state: [{ 'anything-but': 'initializing' }] } }, [
      ['running', { detail: { state: 'running' } }, true],
      ['initializing', { detail: { state: 'initializing' } }, false],
      ['field absent: anything-but needs a value', { detail: {} }, false],
    ]);
    assertVectors({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, [
      ['124', { detail: { 'x-limit': 124 } }, true],
      ['123', { detail: { 'x-limit': 123 } }, false],
    ]);
    assertVectors({ detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, [
      ['running', { detail: { state: 'running' } }, true],
      ['stopped', { detail: { state: 'stopped' } }, false],
      ['overloaded', { detail: { state: 'overloaded' } }, false],
    ]);
    assertVectors({ detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, [
      ['150', { detail: { 'x-limit': 150 } }, true],
      ['200', { detail: { 'x-limit': 200 } }, false],
    ]);
  });

  it('anything-but with prefix, suffix, equals-ignore-case and wildcard', () => {
    assertVectors({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, [
      ['running', { detail: { state: 'running' } }, true],
      ['initializing', { detail: { state: 'initializing' } }, false],
    ]);
    assertVectors({ Region: [{ 'anything-but': { prefix: 'us-' } }] }, [
      ['eu-west-1', { Region: 'eu-west-1' }, true],
      ['us-east-1', { Region: 'us-east-1' }, false],
    ]);
    assertVectors({ FileName: [{ 'anything-but': { suffix: '.png' } }] }, [
      ['notes.txt', { FileName: 'notes.txt' }, true],
      ['image.png', { FileName: 'image.png' }, false],
    ]);
    assertVectors({ state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] }, [
      ['running', { state: 'running' }, true],
      ['INITIALIZING', { state: 'INITIALIZING' }, false],
    ]);
    assertVectors({ FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, [
      ['/usr/bin/env', { FilePath: '/usr/bin/env' }, true],
      ['/usr/lib/libc.so', { FilePath: '/usr/lib/libc.so' }, false],
    ]);
  });

  it('numeric: every comparison of a range must hold, only for JSON numbers', () => {
    // Prepare
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    const event = { detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } };

    // Act + Assess
    assertVectors(pattern, [
      ['c-count 5, d-count 3, x-limit 301.8', event, true],
      ['c-count 0 is not > 0', { detail: { ...event.detail, 'c-count': 0 } }, false],
      ['c-count 5.5 is not <= 5', { detail: { ...event.detail, 'c-count': 5.5 } }, false],
      ['d-count 10 is not < 10', { detail: { ...event.detail, 'd-count': 10 } }, false],
      ['x-limit 301.9', { detail: { ...event.detail, 'x-limit': 301.9 } }, false],
      ['a numeric string is not a number', { detail: { ...event.detail, 'c-count': '3' } }, false],
    ]);
    expect(matchesEventPattern({ n: [{ numeric: ['>=', 10] }] }, { n: 10 })).toBe(true);
    expect(matchesEventPattern({ n: [{ numeric: ['>=', 10, '<', 20] }] }, { n: 20 })).toBe(false);
  });

  it('cidr: matches IPv4 and IPv6 addresses inside the block', () => {
    assertVectors({ detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } }, [
      ['10.0.0.0', { detail: { sourceIPAddress: '10.0.0.0' } }, true],
      ['10.0.0.255', { detail: { sourceIPAddress: '10.0.0.255' } }, true],
      ['10.0.1.0', { detail: { sourceIPAddress: '10.0.1.0' } }, false],
      ['not an address', { detail: { sourceIPAddress: 'example.com' } }, false],
      ['an IPv6 address', { detail: { sourceIPAddress: '::1' } }, false],
    ]);
    assertVectors({ ip: [{ cidr: '2001:db8::/32' }] }, [
      ['2001:db8::1', { ip: '2001:db8::1' }, true],
      ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', { ip: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff' }, true],
      ['2001:db9::1', { ip: '2001:db9::1' }, false],
    ]);
    expect(matchesEventPattern({ ip: [{ cidr: '::ffff:10.0.0.0/120' }] }, { ip: '::ffff:10.0.0.7' })).toBe(true);
    expect(matchesEventPattern({ ip: [{ cidr: '10.0.0.7' }] }, { ip: '10.0.0.7' })).toBe(true);
  });

  it('exists: true needs a leaf value; false matches an absent field and a non-leaf one', () => {
    // Prepare: the documented events.
    const pending = { source: 'aws.ec2', detail: { 'instance-id': 'i-abcd1111', state: 'pending' } };
    const withoutState = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { 'c-count': { c1: 100 } },
    };
    const withoutCount = { ...withoutState, detail: { state: ['initializing', 'running'] } };
    const nonLeafCount = { ...withoutState, detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } } };

    // Act + Assess
    assertVectors({ detail: { state: [{ exists: true }] } }, [
      ['detail.state present', pending, true],
      ['detail.state absent', withoutState, false],
    ]);
    assertVectors({ detail: { 'c-count': [{ exists: false }] } }, [
      ['c-count absent', withoutCount, true],
      ['c-count is not a leaf', nonLeafCount, true],
      ['c-count present', { detail: { 'c-count': 3 } }, false],
      ['c-count null is a value', { detail: { 'c-count': null } }, false],
    ]);
  });

  it('wildcard: * matches any run of characters, \\* an asterisk', () => {
    assertVectors({ EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] }, [
      ['any account, any bus', { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' }, true],
      ['other region', { EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/default' }, false],
    ]);
    assertVectors({ FileName: [{ wildcard: 'dir/*.png' }] }, [
      ['dir/a.png', { FileName: 'dir/a.png' }, true],
      ['dir/.png (zero characters)', { FileName: 'dir/.png' }, true],
      ['dir/sub/a.png', { FileName: 'dir/sub/a.png' }, true],
      ['dir/a.pngx', { FileName: 'dir/a.pngx' }, false],
      ['dirXa.png: the dot and slash are literal', { FileName: 'dirXa.png' }, false],
    ]);
    assertVectors({ note: [{ wildcard: 'a\\*b' }] }, [
      ['a*b', { note: 'a*b' }, true],
      ['axb', { note: 'axb' }, false],
    ]);
  });

  it('$or: one of the alternatives must match, combined with the other fields', () => {
    // Prepare: the $or examples on the content-filtering page (the second also in aws/event-ruler's README).
    const numeric = {
      detail: {
        $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }],
      },
    };
    const mixed = { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] };

    // Act + Assess
    assertVectors(numeric, [
      ['c-count 3 only', { detail: { 'c-count': 3 } }, true],
      ['d-count 20, x-limit 301.8', { detail: { 'd-count': 20, 'x-limit': 301.8 } }, true],
      ['none holds', { detail: { 'c-count': 9, 'd-count': 20 } }, false],
    ]);
    assertVectors(mixed, [
      ['metricName matches', { source: 'aws.cloudwatch', metricName: 'ReadLatency' }, true],
      ['namespace matches', { source: 'aws.cloudwatch', namespace: 'AWS/ES' }, true],
      ['source differs', { source: 'aws.ec2', namespace: 'AWS/ES' }, false],
      ['neither alternative', { source: 'aws.cloudwatch', metricName: 'Other' }, false],
    ]);
  });

  it('combines several filters in one pattern (the complex example)', () => {
    // Prepare
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    const event = { time: '2017-10-02T16:24:49Z', detail: { state: 'running', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } };

    // Act + Assess
    assertVectors(pattern, [
      ['all hold', event, true],
      ['x-limit 200', { ...event, detail: { ...event.detail, 'x-limit': 200 } }, false],
      ['initializing', { ...event, detail: { ...event.detail, state: 'initializing' } }, false],
    ]);
  });
});

// The patterns this project's CDK app synthesizes (lib/stacks/pipeline-stack.ts, the upload rule) and
// the alarm state-change pattern the monitoring stack's retraining rule uses.
describe('event patterns: this project', () => {
  it('matches the S3 "Object Created" upload rule for objects under incoming/ of the data bucket', () => {
    // Prepare
    const pattern = parseEventPattern(
      '{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["mlops-dev-data"]},"object":{"key":[{"prefix":"incoming/"}]}}}',
    );
    const event = {
      version: '0',
      id: '17793124-05d4-b198-2fde-7ededc63b103',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '123456789012',
      time: '2021-11-12T00:00:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:s3:::mlops-dev-data'],
      detail: {
        version: '0',
        bucket: { name: 'mlops-dev-data' },
        object: { key: 'incoming/flights.csv', size: 5, etag: 'b1946ac92492d2347c6235b4d2611184', 'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e', sequencer: '617f08299329d189' },
        'request-id': 'N4N7GDK58NMKJ12R',
        requester: '123456789012',
        reason: 'PutObject',
      },
    };

    // Act + Assess
    expect(pattern).toBeInstanceOf(EventPattern);
    expect(pattern.matches(event)).toBe(true);
    expect(pattern.matches({ ...event, detail: { ...event.detail, object: { key: 'runs/r1/report.json' } } })).toBe(false);
    expect(pattern.matches({ ...event, detail: { ...event.detail, bucket: { name: 'mlops-dev-artifacts' } } })).toBe(false);
    expect(pattern.matches({ ...event, 'detail-type': 'Object Deleted' })).toBe(false);
  });

  it('matches a CloudWatch "Alarm State Change" to ALARM for the named alarms', () => {
    // Prepare
    const pattern = parseEventPattern({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: ['mlops-dev-drift', 'mlops-dev-quality'], state: { value: ['ALARM'] } },
    });
    const event = {
      version: '0',
      id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '123456789012',
      time: '2019-10-02T17:04:40Z',
      region: 'us-east-1',
      resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:mlops-dev-drift'],
      detail: {
        alarmName: 'mlops-dev-drift',
        state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2019-10-02T17:04:40.985+0000' },
        previousState: { value: 'OK', reason: 'Threshold Crossed', timestamp: '2019-10-01T13:56:40.985+0000' },
      },
    };

    // Act + Assess
    expect(pattern.matches(event)).toBe(true);
    expect(pattern.matches({ ...event, detail: { ...event.detail, state: { value: 'OK' } } })).toBe(false);
    expect(pattern.matches({ ...event, detail: { ...event.detail, alarmName: 'someone-else' } })).toBe(false);
    // previousState.value is ALARM here, but the pattern names state.value, not any "value" field.
    expect(pattern.matches({ ...event, detail: { ...event.detail, state: { value: 'OK' }, previousState: { value: 'ALARM' } } })).toBe(false);
  });

  it('does not match a non-object event', () => {
    expect(matchesEventPattern({ source: ['aws.s3'] }, 'aws.s3')).toBe(false);
    expect(matchesEventPattern({ source: ['aws.s3'] }, null)).toBe(false);
  });
});

describe('event patterns: validation (what PutRule rejects)', () => {
  it.each([
    ['not JSON', '{"source": [', /at \$: not valid JSON/],
    ['a JSON array', '["aws.s3"]', /at \$: must be a JSON object, got \["aws.s3"\]/],
    ['an empty pattern', {}, /at \$: an object in a pattern must name at least one field/],
    ['a leaf that is not an array', { source: 'aws.s3' }, /at source: must be an array of match values or an object, got "aws.s3"/],
    ['an empty array', { detail: { state: [] } }, /at detail.state: empty arrays are not allowed/],
    ['a nested array', { source: [['aws.s3']] }, /at source\[0\]: a match value must be a string, number, boolean, null or operator object, got \["aws.s3"\]/],
    ['an unknown operator', { source: [{ prefx: 'aws.' }] }, /at source\[0\].prefx: unknown operator "prefx"/],
    ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }, /at source\[0\]: an operator object must have exactly one key, got 2 \(prefix, suffix\)/],
    ['a non-string prefix', { source: [{ prefix: 5 }] }, /at source\[0\].prefix: must be a string, got 5/],
    ['prefix with an unknown modifier', { source: [{ prefix: { 'ignore-case': 'a' } }] }, /at source\[0\].prefix: takes a string or \{"equals-ignore-case": string\}/],
    ['numeric with an unknown operator', { n: [{ numeric: ['!=', 5] }] }, /at n\[0\].numeric\[0\]: unknown numeric operator "!="/],
    ['numeric with a string bound', { n: [{ numeric: ['>', '5'] }] }, /at n\[0\].numeric\[1\]: a numeric bound must be a number, got "5"/],
    ['numeric with three elements', { n: [{ numeric: ['>', 0, '<'] }] }, /at n\[0\].numeric: takes \[operator, number\]/],
    ['numeric range upside down', { n: [{ numeric: ['<', 5, '>', 0] }] }, /a range must be a lower bound \(> or >=\) followed by an upper bound/],
    ['numeric range empty', { n: [{ numeric: ['>', 5, '<', 5] }] }, /the lower bound 5 must be below the upper bound 5/],
    ['numeric "=" in a range', { n: [{ numeric: ['=', 5, '<', 6] }] }, /a range must be a lower bound/],
    ['a number out of range', { n: [{ numeric: ['>', 6e9] }] }, /at n\[0\].numeric\[1\]: numbers must lie between -5.0e9 and \+5.0e9, got 6000000000/],
    ['exists with a string', { n: [{ exists: 'true' }] }, /at n\[0\].exists: exists takes true or false, got "true"/],
    ['anything-but with an empty list', { n: [{ 'anything-but': [] }] }, /at n\[0\].anything-but: takes a non-empty list of only strings or only numbers/],
    ['anything-but with a mixed list', { n: [{ 'anything-but': ['a', 1] }] }, /takes a non-empty list of only strings or only numbers, got \["a",1\]/],
    ['anything-but with a list of prefixes', { n: [{ 'anything-but': { prefix: ['a', 'b'] } }] }, /at n\[0\].anything-but.prefix: must be a string/],
    ['anything-but with an unknown operator', { n: [{ 'anything-but': { numeric: ['>', 1] } }] }, /unknown anything-but operator "numeric"/],
    ['anything-but with null', { n: [{ 'anything-but': null }] }, /at n\[0\].anything-but: takes a string, number, list or operator object, got null/],
    ['consecutive wildcards', { n: [{ wildcard: 'a**b' }] }, /at n\[0\].wildcard: consecutive wildcard characters are not allowed/],
    ['a bad wildcard escape', { n: [{ wildcard: 'a\\b' }] }, /a backslash may only escape \* or \\/],
    ['a bad CIDR mask', { ip: [{ cidr: '10.0.0.0/33' }] }, /at ip\[0\].cidr: not a valid IPv4 or IPv6 CIDR block: "10.0.0.0\/33"/],
    ['a CIDR that is no address', { ip: [{ cidr: 'ten/8' }] }, /not a valid IPv4 or IPv6 CIDR block/],
    ['$or with one alternative', { $or: [{ a: ['x'] }] }, /at \$or: \$or must be an array of at least two pattern objects/],
    ['$or with a non-object', { $or: [{ a: ['x'] }, ['y']] }, /at \$or: \$or must be an array of at least two pattern objects/],
    ['a malformed $or alternative', { detail: { $or: [{ a: ['x'] }, { b: 'y' }] } }, /at detail.\$or\[1\].b: must be an array of match values or an object/],
  ])('rejects %s', (_case, pattern, message) => {
    // Act + Assess
    expect(() => parseEventPattern(pattern)).toThrow(InvalidEventPatternError);
    expect(() => parseEventPattern(pattern)).toThrow(message);
  });

  it('names the path and the problem on the error', () => {
    // Act
    let caught: unknown;
    try {
      matchesEventPattern({ detail: { 'c-count': [{ numeric: ['>', 0, '<=', 'five'] }] } }, {});
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(InvalidEventPatternError);
    expect(caught).toMatchObject({ path: 'detail.c-count[0].numeric[3]', problem: 'a numeric bound must be a number, got "five"' });
  });
});
