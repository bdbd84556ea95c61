/**
 * A Flink session cluster on this machine, started from tunecard's own classpath as separate JVMs
 * (one JobManager, N TaskManagers, loopback only), and the options that submit a tunecard pipeline
 * to any Flink cluster. Depends on Flink's runtime classes (through Beam's Flink runner) and on no
 * stage package.
 */
package io.tunecard.cluster;
