import { describeStatsOracle } from './stats-oracle'

// The default test store: a real SQLite file with its worker threads.
describeStatsOracle('sqlite')
