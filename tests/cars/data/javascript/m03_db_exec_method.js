const db = {
  rows: [],
  exec(sql) { this.rows.push(sql); return this.rows.length; },
};
db.exec("CREATE TABLE t (x INTEGER)");
db.exec("INSERT INTO t VALUES (1)");
console.log(db.rows);
