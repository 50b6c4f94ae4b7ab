import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { edgeTopic, type Command } from '@marrow/shared';
import { MarrowError } from '../../errors/marrow-error';
import type { EdgeCommandPublisher } from '../../ports/edge-command-publisher';
import { translateTransientError } from '../aws-errors';

/**
 * The data-plane client for the account's `iot:Data-ATS` endpoint (a host name, as
 * DescribeEndpoint returns it); the SDK does not discover it by itself.
 */
export function createIotDataClient(options: { region: string; dataEndpoint: string }): IoTDataPlaneClient {
  return new IoTDataPlaneClient({ region: options.region, endpoint: `https://${options.dataEndpoint}` });
}

/**
 * Commands to an edge through IoT Core's data plane: QoS 1 on its `commands` topic, so IoT
 * Core queues them for an edge with a persistent session (clean: false) while it is away.
 * The edge applies each command id once; commands that must be carried out are also stored
 * and pulled by the edge when it reconnects (catalogue/edge-commands.ts).
 */
export class IotCommandPublisher implements EdgeCommandPublisher {
  constructor(private readonly client: IoTDataPlaneClient) {}

  async publish(tenantId: string, imagingServerId: string, command: Command): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          topic: edgeTopic(tenantId, imagingServerId, 'commands'),
          qos: 1,
          payload: new TextEncoder().encode(JSON.stringify(command)),
        }),
      );
    } catch (error) {
      const translated = translateTransientError(error, 'IoT Publish');
      if (translated !== error) throw translated;
      throw new MarrowError(`IoT Publish of a ${command.type} command to imaging server ${imagingServerId} failed`, { cause: error });
    }
  }
}
