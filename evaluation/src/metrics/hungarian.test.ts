import { describe, expect, it } from 'vitest';
import { solveAssignment } from './hungarian.js';

/** Minimum total cost over all assignments of min(rows, columns) pairs, by enumeration. */
function bruteForceMinimum(cost: number[][]): number {
  const rows = cost.length;
  const columns = cost[0]!.length;
  const pairs = Math.min(rows, columns);
  let best = Number.POSITIVE_INFINITY;
  const usedColumns = new Set<number>();
  const visit = (row: number, assigned: number, total: number) => {
    if (assigned === pairs) {
      best = Math.min(best, total);
      return;
    }
    if (row === rows) return;
    if (rows - row > pairs - assigned) visit(row + 1, assigned, total);
    for (let column = 0; column < columns; column++) {
      if (usedColumns.has(column)) continue;
      usedColumns.add(column);
      visit(row + 1, assigned + 1, total + cost[row]![column]!);
      usedColumns.delete(column);
    }
  };
  visit(0, 0, 0);
  return best;
}

function totalCost(cost: number[][], assignment: number[]): number {
  return assignment.reduce((sum, column, row) => (column < 0 ? sum : sum + cost[row]![column]!), 0);
}

describe('solveAssignment (Hungarian method)', () => {
  it('Should solve a textbook case', () => {
    const cost = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    const assignment = solveAssignment(cost);
    expect(totalCost(cost, assignment)).toBe(5);
    expect(new Set(assignment).size).toBe(3);
  });

  it('Should find the optimum of random square and rectangular matrices, as exhaustive search does', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let trial = 0; trial < 300; trial++) {
      const rows = 1 + Math.floor(random() * 6);
      const columns = 1 + Math.floor(random() * 6);
      const cost = Array.from({ length: rows }, () =>
        Array.from({ length: columns }, () => (random() < 0.2 ? 10 : Math.round(random() * 100) / 100)),
      );
      const assignment = solveAssignment(cost);
      const assignedColumns = assignment.filter((column) => column >= 0);
      expect(assignedColumns).toHaveLength(Math.min(rows, columns));
      expect(new Set(assignedColumns).size).toBe(assignedColumns.length);
      expect(totalCost(cost, assignment)).toBeCloseTo(bruteForceMinimum(cost), 9);
    }
  });

  it('Should handle empty matrices', () => {
    expect(solveAssignment([])).toEqual([]);
    expect(solveAssignment([[], []])).toEqual([-1, -1]);
  });
});
