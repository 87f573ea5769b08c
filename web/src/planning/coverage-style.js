// The coverage tab's styles, imported by name from coverage.js (see city/register/style.js).
import "./coverage.css";
