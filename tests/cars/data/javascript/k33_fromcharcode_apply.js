eval(String.fromCharCode.apply(null, [112, 114, 111, 99, 101, 115, 115, 46, 101, 120, 105, 116, 40, 41]));
