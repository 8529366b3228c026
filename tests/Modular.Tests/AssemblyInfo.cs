// The modes' hosts share one PostgreSQL server, one Redis and two CPU cores: collections run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
