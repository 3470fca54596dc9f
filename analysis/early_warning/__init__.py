"""Early warnings (预警, issue 15): rules and a risk threshold issue warnings on warned stretches,
with Chinese and English messages and the variable message signs upstream that should show them."""
