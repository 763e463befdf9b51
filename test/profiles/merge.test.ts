import { deepMerge, mergeProfileLayers } from "../../profiles/merge";

describe("deepMerge", () => {
  test("maps merge key by key, recursively", () => {
    expect(deepMerge({ a: { b: 1, c: { d: 2 } } }, { a: { c: { e: 3 } } })).toEqual({ a: { b: 1, c: { d: 2, e: 3 } } });
  });

  test("lists replace the base list whole", () => {
    expect(deepMerge({ list: [1, 2, 3], keep: true }, { list: [9] })).toEqual({ list: [9], keep: true });
  });

  test("scalars and null replace, undefined leaves the base", () => {
    expect(deepMerge({ a: 1, b: "x", c: 2 }, { a: 2, b: null, c: undefined })).toEqual({ a: 2, b: null, c: 2 });
  });

  test("in profile layers a null removes the key", () => {
    expect(mergeProfileLayers({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null } })).toEqual({ a: 1, b: { d: 3 } });
  });

  test("several overrides apply in order", () => {
    expect(deepMerge({ a: 1 }, { a: 2, b: 1 }, { a: 3 })).toEqual({ a: 3, b: 1 });
  });

  test("inputs are never mutated and the result shares no objects with them", () => {
    const base = { nested: { list: [{ x: 1 }] } };
    const override = { nested: { other: { y: 2 } } };
    const result = deepMerge(base, override);
    result.nested.list[0].x = 99;
    (result.nested as Record<string, unknown>).other = "changed";
    expect(base).toEqual({ nested: { list: [{ x: 1 }] } });
    expect(override).toEqual({ nested: { other: { y: 2 } } });
  });
});
