import { createContext } from '../context.js';
import { COMMAND_LINE } from '../staff/audit-log.js';
import { createStaff } from '../staff/manage-staff.js';
import { parseOptions, reportRefusal, type Command } from './command.js';
import { UsageError } from '../errors.js';

export const adminCreateCommand: Command = {
  summary:
    'admin:create --email EMAIL [--name NAME] [--role admin|staff] [--password-stdin]: create ' +
    'a staff console account (the password is asked for, never an argument)',
  async run(args, config) {
    const { values } = parseOptions(args, {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', default: 'admin' },
      'password-stdin': { type: 'boolean', default: false },
    });
    if (!values.email)
      throw new UsageError(
        'usage',
        'usage: npm run cli -- admin:create --email EMAIL [--name NAME] [--role admin|staff] [--password-stdin]',
      );
    const password = values['password-stdin'] ? await readStandardInput() : await askTwice();
    const ctx = createContext(config);
    try {
      const member = await createStaff(
        ctx.db,
        { email: values.email, name: values.name, role: values.role, password },
        COMMAND_LINE,
        () => ctx.clock.now(),
      );
      process.stdout.write(
        `created ${member.role} account for ${member.email}; sign in at ${config.publicUrl}/admin/login\n`,
      );
      return 0;
    } catch (error) {
      return reportRefusal(error);
    } finally {
      await ctx.close();
    }
  },
};

/** The whole of standard input, less one trailing newline (what `echo` or a password manager adds). */
async function readStandardInput(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function askTwice(): Promise<string> {
  if (!process.stdin.isTTY)
    throw new UsageError('usage', 'there is no terminal to ask for the password on; pipe it in with --password-stdin');
  const password = await askHidden('Password (12 characters or more): ');
  const again = await askHidden('The same password again: ');
  if (password !== again) throw new UsageError('usage', 'the two passwords differ; nothing was created');
  return password;
}

/** Characters typed ahead of a prompt (both passwords pasted at once, say) wait here for the next one. */
let typedAhead = '';

/** Reads one line from the terminal without echoing it. */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let typed = '';
    const take = (chunk: string): boolean => {
      for (let i = 0; i < chunk.length; i++) {
        const char = chunk[i]!;
        if (char === '\r' || char === '\n') {
          typedAhead = chunk.slice(i + 1).replace(/^\n/, '');
          stdin.off('data', take);
          stdin.setRawMode(false);
          stdin.pause();
          process.stderr.write('\n');
          resolve(typed);
          return true;
        }
        if (char === '\u0003') {
          stdin.setRawMode(false);
          process.stderr.write('\n');
          process.exit(130); // Ctrl-C
        }
        typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char;
      }
      return false;
    };
    const ahead = typedAhead;
    typedAhead = '';
    if (!take(ahead)) stdin.on('data', take);
  });
}
