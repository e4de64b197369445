from wheelpin.cli import main

raise SystemExit(main())
