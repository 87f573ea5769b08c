import "../common/base.css";
import { addMessages, initLanguage } from "../common/i18n.js";
import messages from "../messages/report.js";

addMessages(messages);
initLanguage();
