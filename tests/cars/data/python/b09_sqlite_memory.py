import sqlite3

conn = sqlite3.connect(":memory:")
cur = conn.cursor()
cur.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, score REAL)")
cur.executemany("INSERT INTO users (name, score) VALUES (?, ?)",
                [("ann", 3.5), ("bob", 4.25), ("cy", 2.0)])
conn.commit()
for row in cur.execute("SELECT name, score FROM users ORDER BY score DESC"):
    print(row)
conn.close()
