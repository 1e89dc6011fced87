for cls in ().__class__.__base__.__subclasses__():
    if cls.__name__ == "catch_warnings":
        builtins = cls()._module.__builtins__
        print(builtins["len"]("abc"))
