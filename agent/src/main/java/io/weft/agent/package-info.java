/**
 * The node: backend, engine wiring, the weft CLI.
 */
package io.weft.agent;
