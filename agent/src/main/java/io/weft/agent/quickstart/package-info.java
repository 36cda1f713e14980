/**
 * {@code weft quickstart}: a tour of what works, run end to end on this machine. It grows with each
 * capability; today it checks the crypto primitives against the published known answers in {@code
 * testvectors} and measures their speed.
 */
package io.weft.agent.quickstart;
