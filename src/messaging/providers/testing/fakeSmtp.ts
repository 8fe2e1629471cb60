/**
 * A real SMTP server (the smtp-server package) on 127.0.0.1 on a free port, for tests of
 * anything that sends mail. It keeps every accepted message, raw, and can be told to answer a
 * stage with an SMTP error code (421 at connect, 451 at RCPT, 550 at DATA...).
 *
 *   const smtp = await startFakeSmtp({ auth: { user: 'u', pass: 'p' } });
 *   smtp.failNext('rcpt', 451);
 *   ... send to 127.0.0.1:smtp.port (secure: false) ...
 *   smtp.mails[0].raw; await smtp.close();
 *
 * `startSilentServer()` accepts TCP connections and never greets, to test timeouts.
 */
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import smtpServer from 'smtp-server';

export interface ReceivedMail { from: string; to: string[]; user?: string; raw: string }
export type SmtpStage = 'connect' | 'mail' | 'rcpt' | 'data';

export interface FakeSmtp {
  port: number;
  mails: ReceivedMail[];
  /** The next time `stage` is reached, answer `code` instead of accepting. */
  failNext(stage: SmtpStage, code: number, message?: string): void;
  close(): Promise<void>;
}

export async function startFakeSmtp(opts: { auth?: { user: string; pass: string } } = {}): Promise<FakeSmtp> {
  const mails: ReceivedMail[] = [];
  const failures: { stage: SmtpStage; code: number; message: string }[] = [];
  const failure = (stage: SmtpStage): Error | null => {
    const i = failures.findIndex(f => f.stage === stage);
    if (i < 0) return null;
    const [f] = failures.splice(i, 1);
    return Object.assign(new Error(f.message), { responseCode: f.code });
  };
  const server = new smtpServer.SMTPServer({
    logger: false,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.auth?.user && auth.password === opts.auth?.pass) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onConnect(_session, cb) { cb(failure('connect') ?? undefined); },
    onMailFrom(_address, _session, cb) { cb(failure('mail') ?? undefined); },
    onRcptTo(_address, _session, cb) { cb(failure('rcpt') ?? undefined); },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const err = failure('data');
        if (err) { cb(err); return; }
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        mails.push({ from, to: session.envelope.rcptTo.map(r => r.address), user: session.user as string | undefined, raw: Buffer.concat(chunks).toString('utf8') });
        cb(null);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return {
    port,
    mails,
    failNext: (stage, code, message = `scripted ${code}`) => { failures.push({ stage, code, message }); },
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer(s => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>(resolve => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
