package io.weft.control.policy;

/**
 * One problem in a policy file: where it is (1-based line and column of the offending value) and
 * what is wrong with it, in words that name the value.
 */
public record PolicyError(int line, int column, String message) {

  @Override
  public String toString() {
    return "line " + line + ", column " + column + ": " + message;
  }
}
