grep -rn "password" docs/ | head -5
