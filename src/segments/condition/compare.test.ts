import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileComparison, compileCount } from './compare.ts';
import { toNumber, toTime } from './coerce.ts';
import { getPath } from './path.ts';
import type { Comparison } from './types.ts';

const t = (c: Comparison, actual: unknown) => compileComparison(c)(actual);

test('eq and neq: exact strings, numbers across numeric strings, dates as instants, missing as null', () => {
  assert.equal(t({ op: 'eq', value: 'Hangzhou' }, 'Hangzhou'), true);
  assert.equal(t({ op: 'eq', value: 'Hangzhou' }, 'hangzhou'), false);
  assert.equal(t({ op: 'eq', value: 'Hangzhou', ignoreCase: true }, 'HANGZHOU'), true);
  assert.equal(t({ op: 'eq', value: 42 }, 42), true);
  assert.equal(t({ op: 'eq', value: 42 }, '42'), true);
  assert.equal(t({ op: 'eq', value: '42' }, 42), true);
  assert.equal(t({ op: 'eq', value: '42' }, '42.0'), false, 'two strings compare as strings');
  assert.equal(t({ op: 'eq', value: '2024-05-01' }, '2024-05-01T00:00:00Z'), true);
  assert.equal(t({ op: 'eq', value: '2024-05-01T02:00:00+02:00' }, '2024-05-01'), true);
  assert.equal(t({ op: 'eq', value: true }, true), true);
  assert.equal(t({ op: 'eq', value: true }, 'true'), false);
  assert.equal(t({ op: 'eq', value: null }, undefined), true);
  assert.equal(t({ op: 'eq', value: null }, null), true);
  assert.equal(t({ op: 'eq', value: 0 }, undefined), false);
  assert.equal(t({ op: 'eq', value: 'x' }, { x: 1 }), false);
  assert.equal(t({ op: 'neq', value: 'US' }, 'FR'), true);
  assert.equal(t({ op: 'neq', value: 'US' }, 'US'), false);
  assert.equal(t({ op: 'neq', value: 'US' }, undefined), true, 'a profile without the trait is not US');
});

test('ordering ops coerce numeric strings and compare ISO dates as times', () => {
  assert.equal(t({ op: 'gt', value: 40 }, 41), true);
  assert.equal(t({ op: 'gt', value: 40 }, 40), false);
  assert.equal(t({ op: 'gte', value: 40 }, 40), true);
  assert.equal(t({ op: 'lt', value: '40' }, '39.5'), true);
  assert.equal(t({ op: 'lte', value: 40 }, '40'), true);
  assert.equal(t({ op: 'gt', value: 40 }, 'forty'), false);
  assert.equal(t({ op: 'gt', value: 40 }, undefined), false);
  assert.equal(t({ op: 'gt', value: 40 }, null), false);
  assert.equal(t({ op: 'gt', value: 40 }, true), false);
  assert.equal(t({ op: 'lt', value: '2000-01-01' }, '1985-03-12'), true);
  assert.equal(t({ op: 'lt', value: '2000-01-01' }, '2001-03-12T10:00:00Z'), false);
  assert.equal(t({ op: 'gte', value: '2024-05-01T10:00:00Z' }, '2024-05-01T12:00:00+02:00'), true);
  assert.equal(t({ op: 'gt', value: '2000-01-01' }, 2024), false, 'a number is not a date');
  assert.equal(t({ op: 'gt', value: '2000-01-01' }, 'soon'), false);
});

test('between is inclusive on numbers and on dates', () => {
  const forties: Comparison = { op: 'between', value: [40, 49] };
  assert.deepEqual([39, 40, 45, 49, 49.5, '44', 'x', undefined].map(v => t(forties, v)), [false, true, true, true, false, true, false, false]);
  const nineties: Comparison = { op: 'between', value: ['1990-01-01', '1999-12-31T23:59:59Z'] };
  assert.equal(t(nineties, '1995-06-01'), true);
  assert.equal(t(nineties, '2000-01-01'), false);
  assert.equal(t(nineties, 1995), false);
});

test('in and not_in use eq semantics against every value', () => {
  const cities: Comparison = { op: 'in', value: ['Hangzhou', 'Shanghai', 3, null] };
  assert.equal(t(cities, 'Shanghai'), true);
  assert.equal(t(cities, 'shanghai'), false);
  assert.equal(t({ ...cities, ignoreCase: true }, 'shanghai'), true);
  assert.equal(t(cities, '3'), true);
  assert.equal(t(cities, undefined), true, 'null in the list matches a missing value');
  assert.equal(t({ op: 'not_in', value: ['free', 'trial'] }, 'pro'), true);
  assert.equal(t({ op: 'not_in', value: ['free', 'trial'] }, 'free'), false);
  assert.equal(t({ op: 'not_in', value: ['free'] }, undefined), true);
});

test('contains, starts_with, exists and not_exists', () => {
  assert.equal(t({ op: 'contains', value: 'office' }, 'back office worker'), true);
  assert.equal(t({ op: 'contains', value: 'Office' }, 'back office worker'), false);
  assert.equal(t({ op: 'contains', value: 'Office', ignoreCase: true }, 'back office worker'), true);
  assert.equal(t({ op: 'contains', value: 'vip' }, ['new', 'vip']), true, 'membership in a list');
  assert.equal(t({ op: 'contains', value: 'vi' }, ['new', 'vip']), false, 'elements compare whole');
  assert.equal(t({ op: 'contains', value: 2 }, [1, '2']), true);
  assert.equal(t({ op: 'contains', value: 'x' }, 5), false);
  assert.equal(t({ op: 'starts_with', value: '/t-shirts' }, '/t-shirts/red'), true);
  assert.equal(t({ op: 'starts_with', value: '/T-' , ignoreCase: true }, '/t-shirts'), true);
  assert.equal(t({ op: 'starts_with', value: '/t' }, '/home'), false);
  assert.equal(t({ op: 'exists' }, 0), true);
  assert.equal(t({ op: 'exists' }, ''), true);
  assert.equal(t({ op: 'exists' }, null), false);
  assert.equal(t({ op: 'exists' }, undefined), false);
  assert.equal(t({ op: 'not_exists' }, undefined), true);
  assert.equal(t({ op: 'not_exists' }, 'x'), false);
});

test('an array actual matches a positive op when any element does; negations are exact complements', () => {
  const sizes = ['S', 'M'];
  assert.equal(t({ op: 'eq', value: 'M' }, sizes), true);
  assert.equal(t({ op: 'neq', value: 'M' }, sizes), false);
  assert.equal(t({ op: 'in', value: ['L', 'S'] }, sizes), true);
  assert.equal(t({ op: 'not_in', value: ['L', 'S'] }, sizes), false);
  assert.equal(t({ op: 'gt', value: 100 }, [20, 150]), true);
  assert.equal(t({ op: 'starts_with', value: 'M' }, sizes), true);
});

test('paths read nested objects, index arrays and flatten through arrays of objects', () => {
  const order = { products: [{ category: 'beans', price: 12 }, { category: 'machines', price: 300 }, { price: 1 }], address: { city: 'Hangzhou' } };
  assert.deepEqual(getPath(order, ['products', 'category']), ['beans', 'machines']);
  assert.equal(getPath(order, ['products', '1', 'category']), 'machines');
  assert.equal(getPath(order, ['address', 'city']), 'Hangzhou');
  assert.equal(getPath(order, ['address', 'zip']), undefined);
  assert.equal(getPath(order, ['products', 'colour']), undefined);
  assert.equal(getPath(order, ['constructor']), undefined, 'own properties only');
  assert.equal(t({ op: 'eq', value: 'machines' }, getPath(order, ['products', 'category'])), true);
});

test('count predicates', () => {
  assert.equal(compileCount(undefined)(0), false);
  assert.equal(compileCount(undefined)(1), true);
  const cases: [Parameters<typeof compileCount>[0], number, boolean][] = [
    [{ op: 'eq', value: 0 }, 0, true], [{ op: 'neq', value: 0 }, 0, false], [{ op: 'gt', value: 2 }, 3, true],
    [{ op: 'gte', value: 3 }, 2, false], [{ op: 'lt', value: 1 }, 0, true], [{ op: 'lte', value: 1 }, 2, false],
    [{ op: 'between', value: [2, 4] }, 4, true], [{ op: 'between', value: [2, 4] }, 5, false],
  ];
  for (const [c, n, want] of cases) assert.equal(compileCount(c)(n), want, JSON.stringify(c) + ' ' + n);
});

test('coercions', () => {
  assert.equal(toNumber(' 12.5 '), 12.5);
  assert.equal(toNumber('1e3'), 1000);
  assert.equal(toNumber('0x10'), undefined);
  assert.equal(toNumber('Infinity'), undefined);
  assert.equal(toNumber(''), undefined);
  assert.equal(toTime('2024-02-29'), Date.UTC(2024, 1, 29));
  assert.equal(toTime('2023-02-29'), undefined, 'no such day');
  assert.equal(toTime('2024-05-01T10:00'), Date.UTC(2024, 4, 1, 10), 'no zone reads as UTC');
  assert.equal(toTime('2024-05-01T10:00:00.123+0530'), Date.UTC(2024, 4, 1, 4, 30, 0, 123));
  assert.equal(toTime('2024-13-01'), undefined);
  assert.equal(toTime('yesterday'), undefined);
});
