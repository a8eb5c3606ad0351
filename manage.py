#!/usr/bin/env python
from yichuang.cli import main

if __name__ == "__main__":
    main()
