class Matrix {
  constructor(private readonly rows: number[][]) {}
  transpose(): Matrix {
    return new Matrix(this.rows[0].map((_, c) => this.rows.map((r) => r[c])));
  }
  toString(): string {
    return this.rows.map((r) => r.join(" ")).join("\n");
  }
}
console.log(new Matrix([[1, 2, 3], [4, 5, 6]]).transpose().toString());
