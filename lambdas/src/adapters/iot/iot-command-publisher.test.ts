import { IoTDataPlaneServiceException, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { CONTRACT_VERSION, commandSchema, type Command } from '@marrow/shared';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { MarrowError, StorageUnavailableError } from '../../errors/marrow-error';
import { IotCommandPublisher, createIotDataClient } from './iot-command-publisher';

const tenantId = 'tn_01JZ0000000000000000000000';
const imagingServerId = 'is_01JZ0000000000000000000001';
const command: Command = { v: CONTRACT_VERSION, id: 'cmd_01JZ0000000000000000000002', sentAt: '2026-01-02T03:04:05.000Z', type: 'catalogue-changed' };

const client = createIotDataClient({ region: 'eu-west-1', dataEndpoint: 'a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com' });
const data = mockClient(client);
afterEach(() => data.reset());

describe('IotCommandPublisher', () => {
  it("publishes the command as JSON with QoS 1 on the imaging server's commands topic", async () => {
    data.on(PublishCommand).resolves({});
    await new IotCommandPublisher(client).publish(tenantId, imagingServerId, command);

    const [call] = data.commandCalls(PublishCommand);
    const input = call!.args[0].input;
    expect(input.topic).toBe(`marrow/${tenantId}/${imagingServerId}/commands`);
    expect(input.qos).toBe(1);
    expect(input.retain).toBeUndefined(); // commands are never retained
    const payload = JSON.parse(new TextDecoder().decode(input.payload as Uint8Array));
    expect(commandSchema.parse(payload)).toEqual(command);
  });

  it('talks to the account data endpoint given, over HTTPS', async () => {
    const endpoint = await client.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}`).toBe('https://a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com');
  });

  it('maps 5xx to StorageUnavailableError and other failures to MarrowError, keeping the cause', async () => {
    const unavailable = new IoTDataPlaneServiceException({ name: 'ServiceUnavailableException', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'x' });
    data.on(PublishCommand).rejects(unavailable);
    const failure = await new IotCommandPublisher(client).publish(tenantId, imagingServerId, command).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StorageUnavailableError);
    expect((failure as Error).cause).toBe(unavailable);

    const forbidden = new IoTDataPlaneServiceException({ name: 'ForbiddenException', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'no' });
    data.reset();
    data.on(PublishCommand).rejects(forbidden);
    const refused = await new IotCommandPublisher(client).publish(tenantId, imagingServerId, command).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MarrowError);
    expect(refused).not.toBeInstanceOf(StorageUnavailableError);
    expect((refused as Error).message).toContain('catalogue-changed');
  });
});
