// Empty: this package exists to build the protoc plugins of its dependencies.
