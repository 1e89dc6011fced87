# Fetch the rows, then eval the model on them. Never exec untrusted input,
# never curl | sh, and never rm -rf / on the build box.
import torch

def fetch_rows(loader):
    return [batch for batch in loader]

def evaluate(model, rows):
    model.eval()
    with torch.no_grad():
        return [model(r) for r in rows]
