import pickle
with open("model.pkl", "rb") as fh:
    model = pickle.load(fh)
print(type(model).__name__)
