package io.tunecard.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * A compact, deterministic coder derived from a record's components, in declaration order: strings
 * with Beam's UTF-8 coder, {@code long}/{@code int} as variable-length integers, {@code boolean} as
 * one byte, a nested record with its own derived coder; reference types may be null. Adding a
 * component to a record changes its coder with it; a component of another type is refused when the
 * coder is made, naming the record and the component.
 */
final class RecordCoder<T extends Record> extends CustomCoder<T> {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private transient Derived<T> derived;

  private RecordCoder(Class<T> type) {
    this.type = type;
    this.derived = Derived.of(type);
  }

  static <T extends Record> RecordCoder<T> of(Class<T> type) {
    return new RecordCoder<>(type);
  }

  private Derived<T> derived() {
    if (derived == null) { // after deserialization on a worker
      derived = Derived.of(type);
    }
    return derived;
  }

  @Override
  public void encode(T value, OutputStream out) throws IOException {
    if (value == null) {
      throw new CoderException("cannot encode a null " + type.getSimpleName());
    }
    Derived<T> d = derived();
    for (int i = 0; i < d.coders.size(); i++) {
      d.coders.get(i).encode(d.read(i, value), out);
    }
  }

  @Override
  public T decode(InputStream in) throws IOException {
    Derived<T> d = derived();
    Object[] args = new Object[d.coders.size()];
    for (int i = 0; i < args.length; i++) {
      args[i] = d.coders.get(i).decode(in);
    }
    return d.make(args);
  }

  @Override
  public void verifyDeterministic() throws NonDeterministicException {
    for (Coder<Object> c : derived().coders) {
      c.verifyDeterministic();
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecordCoder<?> other && other.type.equals(type);
  }

  @Override
  public int hashCode() {
    return type.hashCode();
  }

  /** The accessors, component coders and canonical constructor of one record type. */
  private record Derived<T>(
      Class<T> type, List<Method> accessors, List<Coder<Object>> coders, Constructor<T> ctor) {
    static <T extends Record> Derived<T> of(Class<T> type) {
      RecordComponent[] parts = type.getRecordComponents();
      Class<?>[] types =
          Arrays.stream(parts).map(RecordComponent::getType).toArray(Class<?>[]::new);
      try {
        return new Derived<>(
            type,
            Arrays.stream(parts).map(RecordComponent::getAccessor).toList(),
            Arrays.stream(parts).map(p -> coderFor(type, p)).toList(),
            type.getDeclaredConstructor(types));
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException(type.getName() + " has no canonical constructor", e);
      }
    }

    Object read(int i, T value) throws IOException {
      try {
        return accessors.get(i).invoke(value);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new CoderException("cannot read " + type.getSimpleName() + "." + accessors.get(i), e);
      }
    }

    T make(Object[] args) throws IOException {
      try {
        return ctor.newInstance(args);
      } catch (InvocationTargetException e) {
        throw new CoderException(
            "decoded " + type.getSimpleName() + " is invalid: " + e.getCause().getMessage(), e);
      } catch (ReflectiveOperationException e) {
        throw new CoderException("cannot make a " + type.getSimpleName(), e);
      }
    }

    @SuppressWarnings("unchecked")
    private static Coder<Object> coderFor(Class<?> record, RecordComponent part) {
      Class<?> t = part.getType();
      Coder<?> coder;
      if (t == long.class) {
        coder = VarLongCoder.of();
      } else if (t == int.class) {
        coder = VarIntCoder.of();
      } else if (t == boolean.class) {
        coder = BooleanCoder.of();
      } else if (t == String.class) {
        coder = NullableCoder.of(StringUtf8Coder.of());
      } else if (t == Long.class) {
        coder = NullableCoder.of(VarLongCoder.of());
      } else if (t == Integer.class) {
        coder = NullableCoder.of(VarIntCoder.of());
      } else if (Record.class.isAssignableFrom(t)) {
        coder = NullableCoder.of(RecordCoder.of(t.asSubclass(Record.class)));
      } else {
        throw new IllegalArgumentException(
            record.getSimpleName()
                + "."
                + part.getName()
                + ": a "
                + t.getSimpleName()
                + " has no derived coder (expected a string, number, boolean or record)");
      }
      return (Coder<Object>) coder;
    }
  }
}
