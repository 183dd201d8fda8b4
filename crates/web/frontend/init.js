// Marks the page as able to run GOV.UK Frontend's enhancements; every journey works without it.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
