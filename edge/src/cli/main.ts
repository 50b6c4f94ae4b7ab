/**
 * `marrow-edge`: the appliance's command line. Only this file (and the commands it
 * dispatches to) reads arguments, environment and configuration files, and only it exits.
 */
const usage = `usage: marrow-edge <command> [options]

commands:
  run                      start every boot service of this edge from its configuration
  enroll CODE --url URL    exchange a one-time enrolment code for this edge's credential
  tftp --root DIR [--port N] [--address A]
                           run the TFTP server alone
  import-master (--raw FILE | --partition-table FILE --partition N=FILE...) --machine M
                           turn an existing disk image or partclone images into a master`;

const commands: Record<string, () => Promise<{ main(argv: string[]): Promise<number> }>> = {
  run: () => import('./run-command'),
  enroll: () => import('./enroll-command'),
  tftp: () => import('./tftp-command'),
  'import-master': () => import('./import-master-command'),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`marrow-edge: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  return (await load()).main(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Startup problems (port in use, no permission, bad configuration) are the user's to fix:
    // one clear line, no stack trace.
    console.error(`marrow-edge: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
