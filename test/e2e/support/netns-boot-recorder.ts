/**
 * Stands in for the edge's TFTP and HTTP servers when only the DHCP side is under test:
 * `node --import tsx netns-boot-recorder.ts '{"address":"10.77.0.2","tftpPort":69,"httpPort":8080}'`.
 * Prints a JSON line for each TFTP read request ({"event":"tftp","file":…}) and each HTTP
 * request ({"event":"http","path":…}), answers the first with TFTP ERROR 1 (RFC 1350 §5)
 * and the second with 404, so the firmware gives up quickly. Prints {"event":"ready"}.
 */
import dgram from 'node:dgram';
import http from 'node:http';

const { address, tftpPort, httpPort } = JSON.parse(process.argv[2] ?? '{}') as { address: string; tftpPort: number; httpPort: number };
const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

const tftp = dgram.createSocket('udp4');
tftp.on('message', (datagram, from) => {
  // RFC 1350 §5: opcode 1 (RRQ), file name, NUL, mode, NUL (options may follow, RFC 2347).
  if (datagram.readUInt16BE(0) !== 1) return;
  const end = datagram.indexOf(0, 2);
  print({ event: 'tftp', from: `${from.address}:${from.port}`, file: datagram.toString('latin1', 2, end < 0 ? datagram.length : end) });
  const error = Buffer.concat([Buffer.from([0, 5, 0, 1]), Buffer.from('recorded only\0', 'latin1')]);
  tftp.send(error, from.port, from.address);
});

const web = http.createServer((request, response) => {
  print({ event: 'http', from: request.socket.remoteAddress, path: request.url });
  response.writeHead(404).end();
});

let pending = 2;
const ready = (): void => {
  pending -= 1;
  if (pending === 0) print({ event: 'ready' });
};
tftp.bind({ address, port: tftpPort }, ready);
web.listen(httpPort, address, ready);
