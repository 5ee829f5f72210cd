/**
 * Minimum-cost assignment (Hungarian method with potentials, O(n²m)) for a rectangular cost matrix.
 * Returns, for each row, the assigned column or -1; every row is assigned when rows ≤ columns, and every column
 * when rows > columns.
 */
export function solveAssignment(cost: readonly (readonly number[])[]): number[] {
  const rows = cost.length;
  const columns = rows === 0 ? 0 : cost[0]!.length;
  if (rows === 0 || columns === 0) return new Array<number>(rows).fill(-1);
  if (rows > columns) {
    const transposed = Array.from({ length: columns }, (_, c) => cost.map((row) => row[c]!));
    const columnToRow = solveAssignment(transposed);
    const rowToColumn = new Array<number>(rows).fill(-1);
    columnToRow.forEach((row, column) => {
      if (row >= 0) rowToColumn[row] = column;
    });
    return rowToColumn;
  }

  // 1-based potentials u (rows) and v (columns); rowOfColumn[0] is the row being inserted.
  const u = new Float64Array(rows + 1);
  const v = new Float64Array(columns + 1);
  const rowOfColumn = new Int32Array(columns + 1);
  const previousColumn = new Int32Array(columns + 1);
  for (let row = 1; row <= rows; row++) {
    rowOfColumn[0] = row;
    let column0 = 0;
    const minSlack = new Float64Array(columns + 1).fill(Number.POSITIVE_INFINITY);
    const used = new Uint8Array(columns + 1);
    do {
      used[column0] = 1;
      const row0 = rowOfColumn[column0]!;
      let delta = Number.POSITIVE_INFINITY;
      let column1 = 0;
      for (let column = 1; column <= columns; column++) {
        if (used[column]) continue;
        const slack = cost[row0 - 1]![column - 1]! - u[row0]! - v[column]!;
        if (slack < minSlack[column]!) {
          minSlack[column] = slack;
          previousColumn[column] = column0;
        }
        if (minSlack[column]! < delta) {
          delta = minSlack[column]!;
          column1 = column;
        }
      }
      for (let column = 0; column <= columns; column++) {
        if (used[column]) {
          u[rowOfColumn[column]!]! += delta;
          v[column]! -= delta;
        } else {
          minSlack[column]! -= delta;
        }
      }
      column0 = column1;
    } while (rowOfColumn[column0] !== 0);
    do {
      const column1 = previousColumn[column0]!;
      rowOfColumn[column0] = rowOfColumn[column1]!;
      column0 = column1;
    } while (column0 !== 0);
  }

  const assignment = new Array<number>(rows).fill(-1);
  for (let column = 1; column <= columns; column++) {
    if (rowOfColumn[column]! > 0) assignment[rowOfColumn[column]! - 1] = column - 1;
  }
  return assignment;
}
