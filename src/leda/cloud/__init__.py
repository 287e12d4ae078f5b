"""Local stand-ins for AWS services, each a real emulator process on a free loopback port."""
