/**
 * Framing + parse cost in machine instructions per message, counted by valgrind's callgrind.
 *
 *   node dist/bench/instructions.js [--cases small,random,unicode,megabyte]      (needs valgrind)
 *
 * Why: on a shared 2-core machine the time of the same work swings by up to 2x within minutes,
 * so a 5% change cannot be seen in framing.ts's ratios without many runs. The instruction count
 * of one case repeats to within ~0.5% from run to run, so it can. (Between cases the heap differs:
 * the 1..512-byte case keeps ~20k chunk objects alive, and GC makes even the limit 7% dearer.)
 * It is not a time: it does not see cache misses or mispredicted branches, which are where small
 * chunks lose most of their time (see src/framing/README.md). Read it next to framing.ts's table,
 * not instead of it.
 *
 * How: each contender runs in a worker process under callgrind, once with 2 and once with 8
 * measured rounds after 5 warm-up rounds. The difference of the two totals, divided by 6 rounds
 * of messages, leaves out start-up, loading, building the workload and warming up. Two workers
 * run at a time (one per core). The count repeats only if V8 does the same work in every run,
 * and its garbage collector decides some of it by the clock, so the workers run with
 * NODE_FLAGS: no compiler or GC threads (`--single-threaded`); no incremental marking, whose steps
 * and write barriers are scheduled by time (with it, one case's count moved 9% with the machine's
 * load, most of it in `MarkingBarrier::Write`); a GC schedule that does not adapt to measured GC
 * speed; fixed hash and random seeds; and a full GC before every round, so each round starts from
 * the same heap. Then the same run repeats to within ~0.02%.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CASES, WORKLOADS } from './framing.js';
import { CONTENDERS, LIMIT, OURS } from './framing-contenders.js';
import { CALLGRIND_NODE_FLAGS, callgrindInstructions, fmt, fmtRatio, progress } from './harness.js';

/** framing.ts's throughput cases, with fewer messages (callgrind runs them ~50x slower). */
const MESSAGES = { small: 5000, random: 5000, unicode: 500, megabyte: 2 } as const;
type CaseName = keyof typeof MESSAGES;

/** framing.ts's contenders measured here: the limit and ours. */
const MEASURED = [LIMIT, OURS('newline'), OURS('content-length'), OURS('json-stream')];

const NODE_FLAGS = CALLGRIND_NODE_FLAGS;

const WARM_UP_ROUNDS = 5;
const FEW_ROUNDS = 2;
const MANY_ROUNDS = 8;

/** Worker: one of framing.ts's contenders on one case, warm-up rounds then `rounds` more. */
async function runWorker(contenderName: string, caseName: CaseName, rounds: number): Promise<void> {
  const contender = CONTENDERS.find((c) => c.name === contenderName);
  if (contender === undefined) throw new Error(`no contender ${contenderName}`);
  const workload = WORKLOADS[caseName](MESSAGES[caseName]);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the worker needs --expose-gc');
  for (let r = 0; r < WARM_UP_ROUNDS + rounds; r++) {
    gc();
    if ((await contender.run(workload)) !== workload.messages.length) throw new Error(`${contenderName}: wrong number of messages`);
  }
}

// ---- Runner ----------------------------------------------------------------------------------

const SELF = fileURLToPath(import.meta.url);

/** Instructions executed by a worker run, as callgrind reports them. */
function countInstructions(contender: string, caseName: CaseName, rounds: number): Promise<number> {
  return callgrindInstructions([...NODE_FLAGS, SELF, '--worker', contender, caseName, String(rounds)], `${contender} ${caseName}`);
}

/** Runs the tasks two at a time. */
async function inPairs<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all([lane(), lane()]);
  return results;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--worker') {
    await runWorker(argv[1], argv[2] as CaseName, Number(argv[3]));
    return;
  }
  let cases: CaseName[] = ['small', 'random', 'unicode', 'megabyte'];
  if (argv[0] === '--cases' && argv[1]) cases = argv[1].split(',') as CaseName[];
  for (const c of cases) if (!(c in MESSAGES)) throw new Error(`unknown case ${c} (${Object.keys(MESSAGES).join(', ')})`);
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    progress('instructions: valgrind is not installed (apt-get install valgrind); nothing measured.');
    return;
  }

  const jobs = cases.flatMap((c) => MEASURED.map((k) => ({ caseName: c, contender: k })));
  progress(`instructions: ${jobs.length * 2} worker runs under callgrind, two at a time (~20-60 s each)...`);
  const counts = await inPairs(
    jobs.flatMap((job) => [FEW_ROUNDS, MANY_ROUNDS].map((rounds) => async () => {
      const n = await countInstructions(job.contender, job.caseName, rounds);
      progress(`  ${job.caseName} ${job.contender} ${rounds} rounds: ${fmt(n)} instructions`);
      return n;
    })),
  );

  const perMessage = new Map<string, number>();
  jobs.forEach((job, i) => {
    const messages = MESSAGES[job.caseName];
    perMessage.set(`${job.caseName}/${job.contender}`, (counts[2 * i + 1] - counts[2 * i]) / ((MANY_ROUNDS - FEW_ROUNDS) * messages));
  });

  for (const c of cases) {
    const limit = perMessage.get(`${c}/${LIMIT}`)!;
    console.log(`\n[instructions] ${CASES[c]}: instructions per message (lower is better)`);
    console.log(`${'contender'.padEnd(29)}  ${'per message'.padStart(11)}   vs limit (limit's count / this one's)`);
    for (const k of MEASURED) {
      const value = perMessage.get(`${c}/${k}`)!;
      console.log(`${k.padEnd(29)}  ${fmt(value).padStart(11)}   ${fmtRatio(limit / value)}`);
    }
  }
  if (cases.includes('small') && cases.includes('random')) {
    console.log('\n[instructions] random 1..512 B chunks: instructions per message vs the 64 KiB case');
    for (const k of MEASURED.slice(1)) {
      console.log(`${k.padEnd(29)}  ${fmtRatio(perMessage.get(`random/${k}`)! / perMessage.get(`small/${k}`)!)}`);
    }
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
