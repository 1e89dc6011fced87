import unittest

def slugify(s):
    return "-".join("".join(c for c in w if c.isalnum()) for w in s.lower().split())

class SlugTest(unittest.TestCase):
    def test_basic(self):
        self.assertEqual(slugify("Hello World"), "hello-world")
    def test_punct(self):
        self.assertEqual(slugify("A, B & C!"), "a-b--c")

if __name__ == "__main__":
    unittest.main(argv=["x"], exit=False)
