// The inspections' styles, imported by name from each view: the staff page picks its views
// with one import expression, which brings their scripts but not their styles.
import "./inspections.css";
