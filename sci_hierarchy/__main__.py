import sys

from sci_hierarchy.cli import main

sys.exit(main())
