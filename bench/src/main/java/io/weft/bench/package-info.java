/** JMH benchmarks, one class per hot component. */
package io.weft.bench;
