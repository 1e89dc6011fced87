import pandas as pd

df = pd.read_csv("sales.csv", parse_dates=["date"])
df["month"] = df["date"].dt.to_period("M")
summary = (df.groupby(["region", "month"])["revenue"]
             .agg(["sum", "mean", "count"])
             .reset_index())
summary.to_csv("summary.csv", index=False)
print(summary.head(20).to_string())
