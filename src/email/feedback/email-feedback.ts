import type { Db } from '../../db/client.js';
import { ForbiddenError, TemporaryError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { GroupCommit } from '../../lib/group-commit.js';
import type { Logger } from '../../lib/logger.js';
import type { FeedbackSecrets, FeedbackSettings } from './feedback-config.js';
import { FEEDBACK_PROVIDERS, type FeedbackNotice, type FeedbackProvider } from './feedback-notice.js';
import { readGenericNotice } from './generic-notifications.js';
import { readPostmarkNotices } from './postmark-notifications.js';
import { recordFeedback } from './record-feedback.js';
import { readSesNotices } from './ses-notifications.js';
import { isSnsUrl, parseSnsMessage, SnsCertificates, verifySnsMessage, type SnsMessage } from './sns-signature.js';

export type FeedbackReply =
  | { received: true; stored: number; duplicates: number }
  | { received: true; subscription: 'confirmed' | 'unsubscribed' };

/** A request as the providers' readers need it: the raw bytes and a header by name. */
export interface FeedbackRequest {
  body: Buffer;
  header(name: string): string | undefined;
}

/**
 * Bounce, complaint and delivery webhooks from the mail provider: each provider's format checked
 * (signature, credentials) and read into notices, which are stored and applied in one short
 * transaction shared by the requests that arrive together (group commit), before the answer.
 */
export class EmailFeedback {
  private readonly writer: GroupCommit<FeedbackNotice[], boolean[]>;
  private readonly certificates: SnsCertificates;

  constructor(
    db: Db,
    clock: Clock,
    private readonly logger: Logger,
    private readonly settings: FeedbackSettings,
    private readonly secrets: FeedbackSecrets,
    /** Tests only (createContext's overrides): origins trusted besides SNS's own https hosts. */
    private readonly snsExtraOrigins: readonly string[] = [],
  ) {
    this.certificates = new SnsCertificates(snsExtraOrigins);
    this.writer = new GroupCommit((requests) => {
      const isNew = recordFeedback(db, requests.flat(), settings, clock.now());
      let at = 0;
      return requests.map((notices) => isNew.slice(at, (at += notices.length)));
    });
  }

  /** The provider named in the path when it is configured; undefined otherwise (the route answers 404). */
  configured(name: string): FeedbackProvider | undefined {
    const provider = FEEDBACK_PROVIDERS.find((p) => p === name);
    if (provider === 'ses') return this.settings.sesTopicArns.length > 0 ? provider : undefined;
    if (provider === 'postmark') return this.secrets.postmarkCredentials ? provider : undefined;
    if (provider === 'generic') return this.secrets.emailWebhookSecret ? provider : undefined;
    return undefined;
  }

  /** Checks and stores what the provider sent; resolves once it is committed. */
  async receive(provider: FeedbackProvider, request: FeedbackRequest): Promise<FeedbackReply> {
    switch (provider) {
      case 'generic':
        return this.store(
          readGenericNotice(request.body, request.header('x-signature'), this.secrets.emailWebhookSecret!),
        );
      case 'postmark':
        return this.store(
          readPostmarkNotices(request.body, request.header('authorization'), this.secrets.postmarkCredentials!),
        );
      case 'ses':
        return this.receiveSns(parseSnsMessage(request.body));
    }
  }

  private async store(notices: FeedbackNotice[]): Promise<FeedbackReply> {
    const isNew = notices.length > 0 ? await this.writer.submit(notices) : [];
    const stored = isNew.filter(Boolean).length;
    return { received: true, stored, duplicates: notices.length - stored };
  }

  /** The topic is checked before anything is fetched: a message from any other topic costs us nothing. */
  private async receiveSns(message: SnsMessage): Promise<FeedbackReply> {
    if (!this.settings.sesTopicArns.includes(message.TopicArn))
      throw new ForbiddenError('unknown_topic', 'Notifications from this SNS topic are not taken here.');
    await verifySnsMessage(message, this.certificates);
    if (message.Type === 'Notification') return this.store(readSesNotices(message.MessageId, message.Message));
    if (message.Type === 'UnsubscribeConfirmation') {
      this.logger.warn('the SNS topic unsubscribed this endpoint; bounces will stop arriving', {
        topicArn: message.TopicArn,
      });
      return { received: true, subscription: 'unsubscribed' };
    }
    await this.confirmSubscription(message);
    return { received: true, subscription: 'confirmed' };
  }

  /** Visits SubscribeURL, which must be SNS's own (https, *.amazonaws.com) like the certificate. */
  private async confirmSubscription(message: SnsMessage): Promise<void> {
    const url = message.SubscribeURL!;
    if (!isSnsUrl(url, this.snsExtraOrigins))
      throw new ForbiddenError('untrusted_subscribe_url', 'SubscribeURL is not an Amazon SNS address.');
    try {
      const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      await response.arrayBuffer();
    } catch (error) {
      // A 5xx: SNS delivers the confirmation again, and the next try may get through.
      throw new TemporaryError('confirmation_failed', 'The SNS subscription could not be confirmed.', { cause: error });
    }
    this.logger.info('SNS subscription confirmed', { topicArn: message.TopicArn });
  }
}
