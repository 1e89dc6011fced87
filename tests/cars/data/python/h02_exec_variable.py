import sys
script = sys.argv[1] if len(sys.argv) > 1 else "print('hi')"
namespace = {}
exec(script, namespace)
