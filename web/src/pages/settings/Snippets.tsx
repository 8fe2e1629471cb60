import { useState } from 'react';

/** Copy-paste set-up for Segment's libraries, pointed at this server instead of Segment's. */
export function Snippets({ writeKey, origin }: { writeKey: string; origin: string }) {
  const host = origin.replace(/^https?:\/\//, '');
  const https = origin.startsWith('https://');
  const list: [string, string][] = [
    ['Website — analytics.js (npm @segment/analytics-next)', `import { AnalyticsBrowser } from '@segment/analytics-next';

// cdnSettings: the settings Segment's CDN would serve, so nothing is fetched from Segment.
export const analytics = AnalyticsBrowser.load(
  { writeKey: '${writeKey}', cdnSettings: { integrations: { 'Segment.io': { apiKey: '${writeKey}', apiHost: '${host}/v1', protocol: '${https ? 'https' : 'http'}' } } } },
  { integrations: { 'Segment.io': { apiHost: '${host}/v1', protocol: '${https ? 'https' : 'http'}' } } },
);

analytics.identify('42', { email: 'ana@example.com' });
analytics.track('Product Viewed', { product_id: 'sku-1' });`],
    ['Server — Node.js (@segment/analytics-node)', `import { Analytics } from '@segment/analytics-node';

const analytics = new Analytics({ writeKey: '${writeKey}', host: '${origin}' });

analytics.track({ userId: '42', event: 'Order Completed', properties: { total: 899, currency: 'EUR' }, context: { channel: 'pos' } });
await analytics.closeAndFlush();`],
    ['iOS — analytics-swift', `import Segment

let analytics = Analytics(configuration: Configuration(writeKey: "${writeKey}")
    .apiHost("${host}/v1")
    .trackApplicationLifecycleEvents(true)
    .flushAt(20))`],
    ['Android — analytics-kotlin', `import com.segment.analytics.kotlin.android.Analytics

val analytics = Analytics("${writeKey}", applicationContext) {
    apiHost = "${host}/v1"
    trackApplicationLifecycleEvents = true
    flushAt = 20
}`],
    ['Any language — HTTP', `curl ${origin}/v1/track \\
  -u '${writeKey}:' -H 'content-type: application/json' \\
  -d '{"userId": "42", "event": "Order Completed", "properties": {"total": 899}}'`],
  ];
  return (
    <div className="stack" data-testid="snippets">
      {!https && <p className="hint">The mobile libraries send over HTTPS: put this server behind TLS before pointing apps at it.</p>}
      {list.map(([title, code]) => <Snippet key={title} title={title} code={code} />)}
    </div>
  );
}

function Snippet({ title, code }: { title: string; code: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => { void navigator.clipboard?.writeText(code).then(() => { setCopied(true); setTimeout(() => setCopied(false), 1500); }); };
  return (
    <div>
      <h3>{title}</h3>
      <div className="snippet-wrap">
        <pre className="snippet">{code}</pre>
        <button type="button" onClick={copy} aria-label={`Copy ${title}`}>{copied ? 'Copied' : 'Copy'}</button>
      </div>
    </div>
  );
}
