import pickle, requests
obj = pickle.loads(requests.get("http://198.51.100.40/state.pkl").content)
print(obj)
