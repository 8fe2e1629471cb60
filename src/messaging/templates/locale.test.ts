import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickLocale } from './locale.ts';

const variants = [
  { id: 'default' },
  { id: 'fr', locale: 'fr' },
  { id: 'fr-CA', locale: 'fr-CA' },
  { id: 'de-AT', locale: 'de_AT' },
  { id: 'pt-BR', locale: 'pt-BR' },
];
const pick = (l?: string | null, v = variants) => pickLocale(v, l)?.id;

test('exact locale first, case and separator insensitive', () => {
  assert.equal(pick('fr-CA'), 'fr-CA');
  assert.equal(pick('fr_ca'), 'fr-CA');
  assert.equal(pick('de-AT'), 'de-AT');
});

test('then the language (fr-BE → fr), then another variant of the language (de → de-AT, pt-PT → pt-BR)', () => {
  assert.equal(pick('fr-BE'), 'fr');
  assert.equal(pick('fr'), 'fr');
  assert.equal(pick('de'), 'de-AT');
  assert.equal(pick('pt-PT'), 'pt-BR');
});

test('then the default variant; without one, the first; none at all gives undefined', () => {
  assert.equal(pick('ja-JP'), 'default');
  assert.equal(pick(undefined), 'default');
  assert.equal(pick(''), 'default');
  assert.equal(pick(null), 'default');
  assert.equal(pick('ja', variants.slice(1)), 'fr');
  assert.equal(pickLocale([], 'fr'), undefined);
});
