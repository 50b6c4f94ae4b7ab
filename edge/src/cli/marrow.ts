/**
 * `marrow` (the repository's bin): commands an MSP operator runs on an enrolled edge appliance.
 * Each dispatches to the edge's own implementation; `marrow-edge` has the same commands
 * besides the appliance's services.
 */
export {}; // a module: its names stay its own

const usage = `usage: marrow <command> [options]

commands:
  import-master   turn an existing disk image, or partclone images and their partition table,
                  into a master (run it on an enrolled edge; marrow import-master --help)`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return name ? 0 : 2;
  }
  if (name !== 'import-master') {
    console.error(`marrow: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  return (await import('./import-master-command')).main(rest, 'marrow import-master');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`marrow: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
