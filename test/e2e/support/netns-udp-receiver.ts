/**
 * Listens on a UDP port inside a namespace and prints each datagram as a JSON line:
 * `node --import tsx netns-udp-receiver.ts '{"port":9,"count":3,"timeoutMs":10000}'`.
 * Prints {"event":"ready"} once bound; exits after `count` datagrams or `timeoutMs`.
 */
import dgram from 'node:dgram';

const { port, count, timeoutMs } = JSON.parse(process.argv[2] ?? '{}') as { port: number; count: number; timeoutMs: number };
const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
const socket = dgram.createSocket('udp4');
let received = 0;
socket.on('message', (datagram, from) => {
  print({ event: 'datagram', from: `${from.address}:${from.port}`, hex: datagram.toString('hex') });
  received += 1;
  if (received >= count) socket.close(() => process.exit(0));
});
socket.bind({ address: '0.0.0.0', port }, () => print({ event: 'ready' }));
setTimeout(() => socket.close(() => process.exit(0)), timeoutMs).unref();
