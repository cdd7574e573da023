// --help of the bench:* entry points: when the command line asks for it (--help or -h), prints the bench's usage
// (what it measures, its flags and their defaults) and exits 0 before anything is measured.

export function exitOnHelp(usage: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return;
  process.stdout.write(usage.trim() + '\n');
  process.exit(0);
}
