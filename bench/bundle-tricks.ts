// `npm run bench:tricks [-- --rounds 3 --images 500 --interval 30s --window 120s]`: what each of
// the bundle's memory tricks is worth (cases/bundle-tricks.ts), as a Markdown table on stdout.
import { cpus, loadavg } from 'node:os';
import { bundleTricksCase, type TricksOptions } from './cases/bundle-tricks.js';
import { nodeFlagsAsShipped } from './lib/exporter-processes.js';
import { imageNode } from './lib/image-node.js';

function parseOptions(args: string[]): TricksOptions {
  const options: TricksOptions = { images: 500, rounds: 3, interval: '30s', windowMs: 120_000 };
  for (let i = 0; i < args.length; i += 2) {
    const value = args[i + 1] ?? '';
    if (args[i] === '--rounds' && /^[1-9]\d*$/.test(value)) options.rounds = Number(value);
    else if (args[i] === '--images' && /^[1-9]\d*$/.test(value)) options.images = Number(value);
    else if (args[i] === '--interval' && /^\d+s$/.test(value)) options.interval = value;
    else if (args[i] === '--window' && /^\d+s$/.test(value)) options.windowMs = Number(value.slice(0, -1)) * 1000;
    else throw new Error(`bench:tricks: ${args[i]} ${value}: expected --rounds 3, --images 500, --interval 30s or --window 120s`);
  }
  return options;
}

const options = parseOptions(process.argv.slice(2));
const load = loadavg()[0];
const lines = await bundleTricksCase(options);
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}; Node.js ${imageNode().version} with ${nodeFlagsAsShipped().join(' ')} and the image's ENV; ` +
    `load average ${load.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.`,
);
for (const line of lines) console.log(line);
