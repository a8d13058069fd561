import type { UnsubscribeLink } from '../../supporters/supporter-settings.js';

/**
 * What the unsubscribe pages show for a link. A replaced link (see retired tokens) only ever
 * unsubscribes: it always offers the button, so it does not tell whether its owner is subscribed,
 * and it leads nowhere else, neither to the impact page nor to subscribing again.
 */
export function unsubscribePage(token: string, title: string, link?: UnsubscribeLink) {
  const base = `/unsubscribe/${encodeURIComponent(token)}`;
  const isReplaced = link?.isReplaced ?? false;
  return {
    title,
    noindex: true,
    isSubscribed: isReplaced || link?.supporter.isSubscribed,
    actions: { unsubscribe: base, resubscribe: isReplaced ? undefined : `${base}/resubscribe` },
    impactUrl: isReplaced ? undefined : `/impact/${encodeURIComponent(token)}`,
  };
}
