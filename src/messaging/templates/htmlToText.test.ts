import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htmlToText, decodeEntities } from './htmlToText.ts';

test('blocks become lines, links keep their URL, head/style/script/comments/preheader vanish', () => {
  const html = `<!doctype html><html><head><title>T</title><style>p{color:red}</style></head><body>
    <!--[if mso]><table><tr><td><![endif]-->
    <div style="display:none;max-height:0">Preheader</div>
    <h1>Big   sale</h1><p>Hello&nbsp;Ann,<br>your cart &amp; more.</p>
    <ul><li>One</li><li>Two</li></ul>
    <p><a href="https://shop.example/c?a=1&amp;b=2">Open cart</a> or <a href="mailto:help@shop.example">help@shop.example</a></p>
    <table><tr><td>A</td><td>B</td></tr></table>
    <script>alert(1)</script>
  </body></html>`;
  assert.equal(htmlToText(html), [
    'Big sale',
    '',
    'Hello Ann,',
    'your cart & more.',
    '',
    '- One',
    '- Two',
    '',
    'Open cart (https://shop.example/c?a=1&b=2) or help@shop.example',
    '',
    'A B',
  ].join('\n'));
});

test('broken markup does not throw or hang', () => {
  assert.equal(htmlToText('a < b and <b>c'), 'a < b and c');
  assert.equal(htmlToText('x<!-- never closed'), 'x');
  const started = Date.now();
  htmlToText('<a href="x">'.repeat(50_000) + '<'.repeat(200_000) + '<style>'.repeat(20_000));
  assert.ok(Date.now() - started < 2000);
});

test('entities: named, decimal, hex; unknown ones kept', () => {
  assert.equal(decodeEntities('&lt;&#39;&#x2764;&euro;&bogus;'), "<'❤€&bogus;");
});
