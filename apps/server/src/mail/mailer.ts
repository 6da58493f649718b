import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';

/**
 * Outgoing mail. With SMTP_URL, nodemailer speaks SMTP to that server (STARTTLS when offered on
 * smtp://, TLS from the start on smtps://, credentials from the URL). Without it, the embedded
 * default builds the same message and writes it as an .eml file under DATA_DIR/outbox, so a new
 * installation shows what would have been sent instead of silently dropping it.
 */
export interface OutgoingMail {
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  attachment?: { fileName: string; path: string; contentType: string };
}

export interface SentMail {
  messageId: string;
  /** The .eml file written (outbox mode), else null. */
  outboxFile: string | null;
}

/** SMTP said no, or could not be reached: the message names the server's reply. */
export class MailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailError';
  }
}

type MailConfig = Pick<Config, 'smtpUrl' | 'mailFrom' | 'mailTimeoutMs' | 'dataDir'>;

export function outboxDir(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'outbox');
}

export function mailTransport(config: Pick<Config, 'smtpUrl'>): 'smtp' | 'outbox' {
  return config.smtpUrl ? 'smtp' : 'outbox';
}

function messageOf(config: MailConfig, mail: OutgoingMail) {
  return {
    from: config.mailFrom,
    to: mail.to,
    ...(mail.cc.length > 0 ? { cc: mail.cc } : {}),
    subject: mail.subject,
    text: mail.text,
    ...(mail.attachment
      ? {
          attachments: [
            {
              filename: mail.attachment.fileName,
              path: mail.attachment.path,
              contentType: mail.attachment.contentType,
            },
          ],
        }
      : {}),
  };
}

interface SmtpFailure {
  message?: string;
  response?: string;
  responseCode?: number;
  code?: string;
}

/** The server's own words when it answered, else what went wrong on the way (never the URL's credentials). */
function describeFailure(error: unknown): string {
  const e = (error ?? {}) as SmtpFailure;
  if (e.response) return `the mail server refused the message: ${e.response}`;
  if (e.code === 'ECONNREFUSED' || e.code === 'ESOCKET' || e.code === 'ETIMEDOUT' || e.code === 'ECONNECTION') {
    return `the mail server could not be reached (${e.code}): ${e.message ?? ''}`.trim();
  }
  return `sending failed: ${e.message ?? String(error)}`;
}

export async function sendMail(config: MailConfig, mail: OutgoingMail): Promise<SentMail> {
  if (!config.smtpUrl) return writeToOutbox(config, mail);
  const transport = nodemailer.createTransport({
    url: config.smtpUrl,
    connectionTimeout: config.mailTimeoutMs,
    greetingTimeout: config.mailTimeoutMs,
    socketTimeout: config.mailTimeoutMs,
  });
  try {
    const info = await transport.sendMail(messageOf(config, mail));
    const rejected = (info.rejected ?? []).map(String);
    if (rejected.length > 0) {
      const replies = (info as { rejectedErrors?: SmtpFailure[] }).rejectedErrors ?? [];
      const reply = replies.map((r) => r.response).find(Boolean) ?? info.response;
      throw new MailError(`the mail server refused ${rejected.join(', ')}: ${reply}`);
    }
    return { messageId: info.messageId, outboxFile: null };
  } catch (error) {
    if (error instanceof MailError) throw error;
    throw new MailError(describeFailure(error));
  } finally {
    transport.close();
  }
}

async function writeToOutbox(config: MailConfig, mail: OutgoingMail): Promise<SentMail> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await transport.sendMail(messageOf(config, mail));
  const dir = outboxDir(config);
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${stamp}-${randomUUID().slice(0, 8)}.eml`);
  // Written whole, then renamed: a reader of the folder never sees half a message.
  await writeFile(`${file}.part`, info.message as Buffer);
  await rename(`${file}.part`, file);
  return { messageId: info.messageId, outboxFile: file };
}
